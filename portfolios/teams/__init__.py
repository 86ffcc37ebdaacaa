"""Services and teams: a service's workforce against the IMH team standards.

The top layer: a team page reads what members consented to share from every room below
(portfolio progress, CPD, the register), never evidence content."""
