"""signport: sign-language recognizers from training to phones."""

__version__ = "0.1.0"
