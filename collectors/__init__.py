"""SNMP collectors: profiles, the pysnmp client, the poll cycle, the scheduler (collectors issue)."""
