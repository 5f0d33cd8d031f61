"""The run ledger and the publish lock: every run recorded (`runs`: the rows and the SQL both
stores share; `sqlite`: the state dir's store; `postgres`: the store, and the lock, several hosts
share), `recorder` (recording one run), the lock file (`lock`), and `backend`, which picks the
store and the lock from the settings. README → Layout."""
