"""The `fullpicture` command, by area: `main` (parse, bootstrap, errors -> exit codes), `parser`
(shared options, who must be named), and one module per area: `recording`, `reading`, `people`
(people and reviews), `services` (the long-running processes and the dashboard), `setup`
(agencies, Kafka, init, schemas) and `tools`. Handlers parse, call the application or the query
layer, and print; the query layer decides who may do what.

On top, beside the dashboard: imports the composition root, the tools and the layers below;
nothing imports it but `fullpicture.__main__`.
"""

from fullpicture.cli.main import USER_ERROR, build_parser, main

__all__ = ["USER_ERROR", "build_parser", "main"]
