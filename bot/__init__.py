"""The running bot: settings, channels, the aiohttp app, the command line."""
