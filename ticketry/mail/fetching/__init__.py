"""Fetching mail from POP3 and IMAP accounts, and the LMTP receiver."""
