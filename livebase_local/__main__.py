from livebase_local.cli import main

raise SystemExit(main())
