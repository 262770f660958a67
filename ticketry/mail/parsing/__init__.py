"""Parsing received mail into what the PostMaster works with; pure functions, no database."""

from .message import parse_message
from .result import ParsedAttachment, ParsedMessage, ParseError, to_json

__all__ = ["ParseError", "ParsedAttachment", "ParsedMessage", "parse_message", "to_json"]
