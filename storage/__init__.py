"""Tables, the async engine, queries and migrations. Imports nothing else of ours."""
