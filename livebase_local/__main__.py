from livebase_local.commands.cli import main

raise SystemExit(main())
