# fish completion for pricescrape(1); installed as
# share/fish/vendor_completions.d/pricescrape.fish.
# tests/install/completions_test.sh checks that every long option of every --help is
# here, so a new option needs a line below (and in pricescrape.bash and _pricescrape).

set -l commands extract parse-price history
set -l on_main "not __fish_seen_subcommand_from $commands"
set -l on_extract "__fish_seen_subcommand_from extract"
set -l on_parse_price "__fish_seen_subcommand_from parse-price"
set -l on_history "__fish_seen_subcommand_from history"

# No file names unless a line below asks for them (-F or -r without -f).
complete -c pricescrape -f

# --- The scrape (no subcommand): INPUT is a file of URLs, or - for stdin ---------------
complete -c pricescrape -n $on_main -F -d 'File of URLs (- for stdin)'
complete -c pricescrape -n $on_main -a extract -d 'Extract prices from saved pages'
complete -c pricescrape -n $on_main -a parse-price -d 'Parse price strings'
complete -c pricescrape -n $on_main -a history -d 'Print the price history of a --state file'
complete -c pricescrape -n $on_main -s h -l help -d 'Print help and exit'
complete -c pricescrape -n $on_main -s V -l version -d 'Print version and exit'
complete -c pricescrape -n $on_main -l config -r -F -d 'Read option defaults from this TOML file'
complete -c pricescrape -n $on_main -l no-progress -d 'Never draw the progress bar'
complete -c pricescrape -n $on_main -l csv-safe -d 'Quote CSV cells a spreadsheet would run'
complete -c pricescrape -n $on_main -l proxy -x -d 'Proxy for every URL'
complete -c pricescrape -n $on_main -l noproxy -x -d 'Hosts that go direct'
complete -c pricescrape -n $on_main -l shard -x -d 'Only URLs whose host hashes to K of N (K/N)'
complete -c pricescrape -n $on_main -s c -l concurrency -x -d 'Requests in flight at most'
complete -c pricescrape -n $on_main -l per-host -x -d 'Requests in flight per host at most'
complete -c pricescrape -n $on_main -s f -l format -x -a 'json jsonl csv' -d 'Output format'
complete -c pricescrape -n $on_main -s o -l output -r -F -d 'Write to FILE atomically'
complete -c pricescrape -n $on_main -l timeout -x -d 'Deadline of one attempt, in seconds'
complete -c pricescrape -n $on_main -l connect-timeout -x -d 'Deadline for DNS + connect + TLS'
complete -c pricescrape -n $on_main -l max-redirects -x -d 'Redirects followed at most'
complete -c pricescrape -n $on_main -l max-body -x -d 'Decoded body cap (e.g. 16MiB)'
complete -c pricescrape -n $on_main -s A -l user-agent -x -d 'User-Agent header'
complete -c pricescrape -n $on_main -s H -l header -x -d 'Extra request header "Name: value"'
complete -c pricescrape -n $on_main -l cacert -r -F -d 'Trust this PEM CA bundle too'
complete -c pricescrape -n $on_main -s k -l insecure -d 'Do not verify TLS certificates'
complete -c pricescrape -n $on_main -l allow-downgrade -d 'Follow https to http redirects'
complete -c pricescrape -n $on_main -l profile -d 'Print CPU time by stage at the end'
complete -c pricescrape -n $on_main -l politeness -x -a 'adaptive fixed off' -d 'Per-host pacing'
complete -c pricescrape -n $on_main -l rate -x -d 'Per-host ceiling: N, N/s or N/m'
complete -c pricescrape -n $on_main -l delay -x -d 'Seconds between requests to one host'
complete -c pricescrape -n $on_main -l jitter -d 'Vary each --delay gap'
complete -c pricescrape -n $on_main -l robots -d "Honour each host's robots.txt"
complete -c pricescrape -n $on_main -l retries -x -d 'Extra attempts after errors or 5xx'
complete -c pricescrape -n $on_main -l retry-after-cap -x -d 'Longest Retry-After pause waited'
complete -c pricescrape -n $on_main -l max-errors -x -d 'Failed URLs allowed: N or P%'
complete -c pricescrape -n $on_main -l stats -r -F -a - -d 'Write run statistics (- : stderr)'
complete -c pricescrape -n $on_main -l state -r -F -d 'SQLite file of prices and history'
complete -c pricescrape -n $on_main -l resume -d 'Finish the unfinished run of this INPUT'
complete -c pricescrape -n $on_main -l only-changed -d 'Write only what changed'
complete -c pricescrape -n $on_main -l skip-new -d 'With --only-changed: leave out new URLs'
complete -c pricescrape -n $on_main -l skip-failed -d 'With --only-changed: leave out failures'
complete -c pricescrape -n $on_main -l min-change -x -d 'Smallest price move, in percent'

# --- Shared by the scrape and extract ---------------------------------------------------
for cond in $on_main $on_extract
    complete -c pricescrape -n $cond -s v -l verbose -d 'Log every failed URL'
    complete -c pricescrape -n $cond -s q -l quiet -d 'Only log errors; no summary line'
    complete -c pricescrape -n $cond -l log-format -x -a 'text json' -d 'Log lines as'
    complete -c pricescrape -n $cond -l color -x -a 'auto always never' -d 'Colour the log levels'
end

# --- extract FILE... ---------------------------------------------------------------------
complete -c pricescrape -n $on_extract -F -d 'Saved page (.html, .html.gz)'
complete -c pricescrape -n $on_extract -s h -l help -d 'Print help and exit'
complete -c pricescrape -n $on_extract -s f -l format -x -a 'json jsonl csv' -d 'Output format'
complete -c pricescrape -n $on_extract -l base-url -x -d 'The URL the pages were saved from'
complete -c pricescrape -n $on_extract -l explain -d 'Add the candidates weighed'

# --- parse-price TEXT... -----------------------------------------------------------------
complete -c pricescrape -n $on_parse_price -s h -l help -d 'Print help and exit'
complete -c pricescrape -n $on_parse_price -l currency-hint -x -d 'Text that may name the currency'
complete -c pricescrape -n $on_parse_price -l decimal-separator -x -a '. , €' -d 'Decimal separator'

# --- history [URL...] --------------------------------------------------------------------
complete -c pricescrape -n $on_history -s h -l help -d 'Print help and exit'
complete -c pricescrape -n $on_history -l state -r -F -d 'The state file of earlier runs'
complete -c pricescrape -n $on_history -s f -l format -x -a 'jsonl csv' -d 'Output format'
