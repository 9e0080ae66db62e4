"""digicampus inventory: the domain (models, rules, services). Imports neither Flask nor pysnmp."""
