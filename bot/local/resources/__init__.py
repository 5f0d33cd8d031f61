"""One module per Notion resource; each route in ``bot.local.routes`` points at a function here."""
