"""The people's side of alerts (issue 17): rules, subscriptions, maintenance windows, the
alerts themselves and the dead letters, as use cases the API and the pages share. Raising,
grouping and delivering alerts is the monitor's and the sender's business, not this package's.

Scope follows the inventory's (``inventory.scope``): rules are reference data every account
reads and admins change; a subscription or a window is placed on a region subtree or on one
school and is seen and changed within the actor's scope; alerts and dead letters are seen
where their school or subscription is.
"""
