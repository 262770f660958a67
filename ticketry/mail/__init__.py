"""Email in and out: the PostMaster pipeline, fetchers, the LMTP receiver, auto-responses and
the outbound mail queue."""
