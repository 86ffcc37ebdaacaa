"""Open Badges 3.0 credentials for register entries: issued on approval and renewal, signed
as VC-JWTs with a key kept outside the database, revoked through a published Bitstring Status
List when the entry is removed or lapses, and verifiable by anyone on a public page."""
