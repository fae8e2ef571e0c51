"""The bmnsocial command line: click at the edge, one module per noun on one root group
(``root``); ``main.main`` is the entry point."""
