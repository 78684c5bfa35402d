/** Printed after `shop --help`; the README's exit-code table says the same. */
export const HELP_FOOTER = `
Exit codes:
  0    success
  1    failure: the server refused the request, answered with an error, or could not be reached
  2    usage error: unknown command, bad arguments, or a missing flag such as --yes
  4    authentication required: run \`shop login\`
  130  interrupted at a prompt (Ctrl-C)

Output:
  On a terminal you get tables and prompts. When stdout is not a terminal, data is printed as tab-separated lines
  with stable columns; with --json, as exactly one JSON document. Data goes to stdout, messages to stderr.

Environment:
  SHOP_SERVER      server URL; --server wins over it, it wins over \`shop config set server\`
  SHOP_TOKEN       an access token to use instead of the stored login (never refreshed)
  SHOP_CONFIG_DIR  where settings and credentials are kept (default: your user config directory)
  NO_COLOR         set to anything to turn colour off (so does TERM=dumb)

Examples:
  shop login --email ada@example.com                      # asks for the password
  printf '%s\\n' "$PASSWORD" | shop login --email ada@example.com --password-stdin
  shop products mug --json | jq -r '.items[].sku'
  printf 'MUG-BLUE 2\\nTEE-BLACK\\n' | shop cart add -
  shop cart clear --yes
`;
