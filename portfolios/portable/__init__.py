"""The portable portfolio format: a versioned JSON document (portfolio.json) with a published
JSON Schema, written beside the attachments in "Download my data" and read back by the import.

`format` builds the document, `archive` checks an uploaded ZIP before anything is read from
it, `importer` validates everything and then writes it in one transaction.
"""
