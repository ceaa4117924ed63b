"""The conversations and the guideline's rules, free of any chat platform."""
