"""The run ledger and the publish lock: every run recorded (`runs`: rows, SQL, SQLite), the
same in PostgreSQL for several hosts (`postgres`), the lock file (`lock`), and `backend`, which
picks the store and the lock from the settings. README → Layout."""
