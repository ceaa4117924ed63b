"""The outbox: delivery passes, deliverers per channel kind, mail, threads."""
