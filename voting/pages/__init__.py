"""Site pages: the start page, language switch, health check, privacy and accessibility."""
