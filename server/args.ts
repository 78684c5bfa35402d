import { ConfigError } from './config-error.js';

/** What `shop-server` takes on its command line; everything else is configured by environment variables. */
export interface ServerArgs {
  /** `--workers N`; overrides `WORKERS`. */
  workers?: string;
  help: boolean;
}

export const SERVER_USAGE = `usage: shop-server [--workers N]
       shop-server catalog import FILE | catalog export   (see shop-server catalog --help)

Serves the shop API. Configured by environment variables (PORT, HOST, DATABASE_URL, SHOP_JWT_KEYS, …; see the README).
  --workers N   run N processes on this machine's cores, sharing the port (default: WORKERS, else 1)
  -h, --help    show this help
`;

/** Parses `shop-server`'s arguments; a ConfigError for anything it does not know. */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  const args: ServerArgs = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') {
      args.help = true;
    } else if (arg === '--workers') {
      const value = argv[++i];
      if (value === undefined) {
        throw new ConfigError('--workers needs a number');
      }
      args.workers = value;
    } else if (arg.startsWith('--workers=')) {
      args.workers = arg.slice('--workers='.length);
    } else {
      throw new ConfigError(`unknown argument "${arg}"\n${SERVER_USAGE}`);
    }
  }
  return args;
}
