/** Printed after `shop --help`; the README's exit-code table says the same. */
export const HELP_FOOTER = `
Exit codes:
  0    success (a change queued while offline is a success too)
  1    failure: the server refused the request or answered with an error; or it could not be reached and there is
       no saved copy to show; or \`shop sync\` sent changes the server refused
  2    usage error: unknown command, bad arguments, or a missing flag such as --yes
  3    the server could not be reached, and the command needs it: --online was given, or it is register, login,
       logout --all or sync; nothing was queued, and nothing already queued was lost — try again later
  4    authentication required: run \`shop login\`
  130  interrupted at a prompt (Ctrl-C)

Offline:
  When the server cannot be reached, changes to your cart and preferences are queued (stderr says "queued") and
  sent, in order and each exactly once, by \`shop sync\` or before the next command that reaches the server. Reads
  show the copy saved by the last successful one, with queued changes applied, marked stale on stderr; with --json
  look at "source" ("server" or "cache") and "asOf". \`shop queue\` lists what waits and what the server refused.
  Queued changes belong to the user and server they were made for, and survive an expired login.

Output:
  On a terminal you get tables and prompts. When stdout is not a terminal, data is printed as tab-separated lines
  with stable columns; with --json, as exactly one JSON document. Data goes to stdout, messages to stderr.

Environment:
  SHOP_SERVER      server URL; --server wins over it, it wins over \`shop config set server\`
  SHOP_TOKEN       an access token to use instead of the stored login (never refreshed)
  SHOP_CONFIG_DIR  where settings, credentials, the outbox and saved copies are kept (default: your user config
                   directory)
  NO_COLOR         set to anything to turn colour off (so does TERM=dumb)

Examples:
  shop login --email ada@example.com                      # asks for the password
  printf '%s\\n' "$PASSWORD" | shop login --email ada@example.com --password-stdin
  shop products mug --json | jq -r '.items[].sku'
  printf 'MUG-BLUE 2\\nTEE-BLACK\\n' | shop cart add -
  shop cart clear --yes
  shop sync && shop queue
`;
