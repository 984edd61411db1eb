# Prints what zsh's completion offers for command lines, one "N<TAB>candidate" a line
# (N: the line's number, from 1):
#   zsh -f zsh_complete.zsh COMPLETIONS_DIR 'pricescrape --' 'pricescrape -f ' ...
# An interactive zsh in a pseudo-terminal (zpty) loads _pricescrape through compinit
# (once: it is the slow part), with compadd wrapped to print each candidate, and
# completes each line in turn.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=; fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd () {
  if [[ ${@[1,-1]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a hits
  builtin compadd -A hits "$@"
  (( $#hits == 0 )) && return 1
  local hit; for hit in $hits; do print -r -- "CAND""IDATE:${hit}:END"; done
  builtin compadd -Q -U ""
}'
zpty -w z "bindkey '^I' complete-word"
local -i n=0
local line out
for line in "${@[2,-1]}"; do
  n+=1
  zpty -w z "$line"$'\t'
  # ^U drops the line; the marker's two halves keep its echo from matching.
  zpty -w z $'\x15'"print -r -- END-OF""-LINE-$n"
  zpty -r z out "*END-OF-LINE-$n*"
  print -r -- "$out" | tr -d '\r' | grep -a -o 'CANDIDATE:[^ ]*:END' |
    sed "s/^CANDIDATE:/$n"$'\t'"/; s/:END\$//" | sort -u
done
zpty -d z
