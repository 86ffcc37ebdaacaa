# Production image: gunicorn web, Celery worker and beat all run from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# WeasyPrint needs Pango and HarfBuzz; fonts are packaged, never fetched at run time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 app

WORKDIR /app
COPY pyproject.toml constraints-build.txt README.md ./
COPY imhcpd ./imhcpd
COPY competencies ./competencies
COPY portfolios ./portfolios
COPY register ./register
# xstatic-bootstrap's sdist needs a setuptools that still has pkg_resources.
RUN PIP_CONSTRAINT=/app/constraints-build.txt pip install .
COPY . .
# Production settings need these to load at all (they fail closed); collectstatic uses none.
RUN DEBUG=0 SECRET_KEY=collectstatic-only SITE_URL=https://build.invalid \
    CELERY_BROKER_URL=redis://build.invalid/0 CACHE_URL=redis://build.invalid/1 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/var/media /app/var/keys && chown -R app:app /app/var

USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "python:imhcpd.gunicorn_conf", "imhcpd.wsgi:application"]
