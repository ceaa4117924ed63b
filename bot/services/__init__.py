"""One service per domain: carries out the effects of its dialogs inside the turn."""
