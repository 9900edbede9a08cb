"""High availability of a pair of NIU hosts.

PostgreSQL streams from the primary to the secondary (synchronously while the
secondary keeps up); keepalived holds the HA address on whichever host answers
its health check, and the check passes only where the API answers and the
database is writable.  Promotion is decided by one component only, the agent
(``restworkx ha-agent``) on the standby: see agent.py for the rules.
"""
