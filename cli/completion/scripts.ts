/**
 * The scripts `shop completion SHELL` prints. Each asks `shop __complete` for the candidates, so commands, options
 * and values (SKUs and preference keys from the saved copies, never the network) are worked out in one place.
 */
export type Shell = 'bash' | 'zsh' | 'fish';

export const COMPLETION_SCRIPTS: Readonly<Record<Shell, string>> = {
  bash: `# bash completion for shop: source <(shop completion bash)
_shop_complete() {
  local IFS=$'\\n'
  local words=("\${COMP_WORDS[@]:1:COMP_CWORD}")
  COMPREPLY=($(shop __complete -- "\${words[@]}" 2>/dev/null))
}
complete -o default -F _shop_complete shop
`,
  zsh: `#compdef shop
# zsh completion for shop: shop completion zsh > "\${fpath[1]}/_shop", or source <(shop completion zsh)
_shop() {
  local -a candidates
  candidates=("\${(@f)$(shop __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  candidates=("\${(@)candidates:#}")
  compadd -a candidates
}
if [ "\${funcstack[1]}" = "_shop" ]; then
  _shop "$@"
else
  compdef _shop shop
fi
`,
  fish: `# fish completion for shop: shop completion fish > ~/.config/fish/completions/shop.fish
function __shop_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    shop __complete -- $words 2>/dev/null
end
complete -c shop -f -a '(__shop_complete)'
`,
};
