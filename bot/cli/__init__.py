"""The command line (also `python -m bot …`): `aiguide --help` lists the commands.

Start-up is kept short by importing per command: this package's `main` needs only argparse and
the message catalogues until a command runs; the runtime (SQLAlchemy, the router) is imported
by the commands that use the database, aiohttp only by `serve`.

    parser.py    the arguments of every command (no imports beyond argparse)
    messages.py  the catalogue the command line speaks in (--lang, LANG), `fail`
    main.py      settings, the migration check, dispatch, errors worded for a person
    run.py       the commands on a runtime: chat, scan, tick, and the error wording
    serve.py     `aiguide serve`
    tenants.py   `aiguide tenants …`
"""

from bot.cli.main import main

__all__ = ["main"]
