# bash completion for pricescrape(1)                               -*- shell-script -*-
# Installed as share/bash-completion/completions/pricescrape (loaded on first use).
# tests/install/completions_test.sh checks that every long option of every --help is
# here, so a new option needs a line below (and in _pricescrape and pricescrape.fish).

_pricescrape_options_main="-h --help -V --version --config --color -c --concurrency --per-host -f --format
  -o --output --timeout --connect-timeout --max-redirects --max-body -A --user-agent
  -H --header --cacert -k --insecure --allow-downgrade --profile --politeness --rate
  --delay --jitter --robots --retries --retry-after-cap -v --verbose -q --quiet
  --log-format --no-progress --max-errors --stats --state --resume --only-changed
  --skip-new --skip-failed --min-change --csv-safe --proxy --noproxy --shard"
_pricescrape_options_extract="-h --help -f --format --base-url --explain -v --verbose
  -q --quiet --log-format --color"
_pricescrape_options_parse_price="-h --help --currency-hint --decimal-separator"
_pricescrape_options_history="-h --help --state -f --format"

# Options followed by a value (the next word is not a subcommand or INPUT).
_pricescrape_takes_value() {
  case $1 in
    -c | --concurrency | --per-host | -f | --format | -o | --output | --timeout | \
      --connect-timeout | --max-redirects | --max-body | -A | --user-agent | -H | --header | \
      --cacert | --politeness | --rate | --delay | --retries | --retry-after-cap | \
      --log-format | --max-errors | --stats | --state | --min-change | --base-url | \
      --currency-hint | --decimal-separator | --config | --color | --proxy | --noproxy | \
      --shard)
      return 0
      ;;
  esac
  return 1
}

_pricescrape_files() {
  compopt -o filenames 2>/dev/null
  local IFS=$'\n'
  COMPREPLY+=($(compgen -f -- "$1"))
}

_pricescrape() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cword=$COMP_CWORD
  COMPREPLY=()
  # --opt=value: bash splits at '=' (COMP_WORDBREAKS), so the option is two words back.
  if [[ $cur == "=" ]]; then
    prev=${COMP_WORDS[cword - 1]}
    cur=""
  elif [[ $prev == "=" ]] && ((cword >= 2)); then
    prev=${COMP_WORDS[cword - 2]}
  fi

  # The subcommand: the first word that is neither an option nor an option's value.
  local cmd="" i word
  for ((i = 1; i < cword; i++)); do
    word=${COMP_WORDS[i]}
    if _pricescrape_takes_value "$word"; then
      ((i++))
      continue
    fi
    case $word in
      extract | parse-price | history)
        cmd=$word
        break
        ;;
    esac
  done

  case $prev in
    -f | --format)
      if [[ $cmd == history ]]; then
        COMPREPLY=($(compgen -W "jsonl csv" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "json jsonl csv" -- "$cur"))
      fi
      return 0
      ;;
    --politeness)
      COMPREPLY=($(compgen -W "adaptive fixed off" -- "$cur"))
      return 0
      ;;
    --log-format)
      COMPREPLY=($(compgen -W "text json" -- "$cur"))
      return 0
      ;;
    --color)
      COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
      return 0
      ;;
    --decimal-separator)
      COMPREPLY=($(compgen -W ". , €" -- "$cur"))
      return 0
      ;;
    --stats)
      COMPREPLY=($(compgen -W "-" -- "$cur"))
      _pricescrape_files "$cur"
      return 0
      ;;
    -o | --output | --cacert | --state | --config)
      _pricescrape_files "$cur"
      return 0
      ;;
  esac
  # Any other option's value is free text (a number, a URL, a header): nothing to offer.
  if _pricescrape_takes_value "$prev"; then return 0; fi

  local options
  case $cmd in
    extract) options=$_pricescrape_options_extract ;;
    parse-price) options=$_pricescrape_options_parse_price ;;
    history) options=$_pricescrape_options_history ;;
    *) options=$_pricescrape_options_main ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$options" -- "$cur"))
    return 0
  fi
  case $cmd in
    "")  # INPUT (a file of URLs, or - for stdin) or a subcommand
      COMPREPLY=($(compgen -W "extract parse-price history" -- "$cur"))
      _pricescrape_files "$cur"
      ;;
    extract) _pricescrape_files "$cur" ;;  # saved pages
  esac
  return 0
}
complete -F _pricescrape pricescrape
