"""Channels: each turns its platform's events into Turns and renders the replies."""
