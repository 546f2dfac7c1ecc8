# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ado_scm_global_optspecs
    string join \n config= non-interactive json no-browser store= v/verbose q/quiet no-color gitpod-url= authority-url= graph-url= ado-url= gitpod-token-stdin ca-cert= h/help V/version
end

function __fish_ado_scm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ado_scm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ado_scm_using_subcommand
    set -l cmd (__fish_ado_scm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ado-scm -n "__fish_ado_scm_needs_command" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "setup" -d 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "login" -d 'Developer sign-in: let the runner reach your Azure DevOps repositories'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "status" -d 'Show, per runner and host, how you are authenticated'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "logout" -d 'Remove your own host authentication tokens'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "issuer" -d 'Check an Entra issuer URL (normalise, discover, compare tenants)'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "secret" -d 'Seal a secret to a runner\'s public key'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "test" -d 'Re-validate a saved integration (Entra credentials, runner validation)'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "doctor" -d 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "apply" -d 'Make the runners\' Azure DevOps integrations match a TOML file'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "export" -d 'Print the runners\' Azure DevOps integrations as a file `apply` accepts'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "completions" -d 'Print shell completions'
complete -c ado-scm -n "__fish_ado_scm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l org -d 'Azure DevOps organization (Services)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l virtual-directory -d 'Virtual directory of the Azure DevOps Server [default: /tfs]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l tenant -d 'Entra tenant (GUID or domain) [default: discovered from the organization]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l client-id -d 'Use an existing app registration (client ID) instead of creating one' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l app-name -d 'Display name of the app registration to create or reuse' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l secret-expiry-days -d 'Lifetime of a new client secret, in days (1–730) [default: 365]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l port -d 'Fixed loopback port for the browser sign-in (to forward it over SSH; 1–65535) [default: a free port]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l graph-client-id -d 'Public client used for the Graph sign-in [default: Microsoft Graph Command Line Tools]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l issuer-url -d 'Issuer URL to use instead of the one built from the tenant' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l server -d 'Azure DevOps Server: scm azuredevops_server, PAT only'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l oauth -d 'Enable Entra ID OAuth (default on Services)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l no-oauth -d 'Disable Entra ID OAuth'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l pat -d 'Enable personal access tokens (default on)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l no-pat -d 'Disable personal access tokens'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l client-secret-stdin -d 'Read the existing app\'s client secret from stdin (or ADO_SCM_CLIENT_SECRET)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l rotate-secret -d 'Mint a new client secret even when the saved one validates; then remove the old one ado-scm created'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l graph-token-stdin -d 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l device-code -d 'Sign in with the device code flow instead of the browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l grant-admin-consent -d 'Also grant tenant-wide admin consent for the app\'s permissions'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l dry-run -d 'Show the plan and every request it would send; change nothing'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -s y -l yes -d 'Accept every confirmation'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand setup" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l org -d 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -f -a "pat" -d 'Hand the runner a personal access token (checked against Azure DevOps first)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -f -a "oauth" -d 'Authorize the runner in the browser with Entra ID OAuth'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and not __fish_seen_subcommand_from pat oauth help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l org -d 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l with-token -d 'Read the PAT from stdin (one trailing newline is removed)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from pat" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l org -d 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l timeout -d 'Seconds to wait for the consent to complete (1–86400)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from oauth" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from help" -f -a "pat" -d 'Hand the runner a personal access token (checked against Azure DevOps first)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from help" -f -a "oauth" -d 'Authorize the runner in the browser with Entra ID OAuth'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand login; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l all -d 'Every runner of the organization, not only the ones you use [default: the saved runner and the hosts you hold a sign-in for]'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand status" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l gitpod -d 'Also forget the stored Gitpod API token'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand logout" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Normalise an issuer URL, fetch its discovery document, check the tenant'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l org -d 'Azure DevOps organization whose tenant must match the issuer\'s' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "check" -d 'Normalise an issuer URL, fetch its discovery document, check the tenant'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand issuer; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -f -a "seal" -d 'Read a secret on stdin and print it sealed (base64) to a runner\'s public key'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and not __fish_seen_subcommand_from seal help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l runner -d 'Seal to the registered public key of this runner (its ID or name)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l public-key -d 'Base64 X25519 key (32 raw bytes or 44-byte PKIX DER), or @FILE holding it (or PEM)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from seal" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "seal" -d 'Read a secret on stdin and print it sealed (base64) to a runner\'s public key'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand secret; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l runner -d 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l host -d 'The integration\'s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand test" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l runner -d 'Only this runner\'s integrations, by ID (a UUID) or name [default: every runner]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l host -d 'Only the integrations for this host (dev.azure.com, dev.azure.com/ORG or a Server host)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l org -d 'Azure DevOps organization whose tenant the issuer must match, for hosts that name none [default: from config]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l warn-days -d 'Warn when a client secret expires within this many days (0–3650)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l fix -d 'Repair what setup can (drift, service principal, secret rotation, issuer form), after showing the plan and asking; then check again'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -s y -l yes -d 'Accept the confirmation of --fix'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l strict -d 'Count warnings as failures (exit 4)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l graph-token-stdin -d 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) to check the app registrations [default: the remembered sign-in; interactive: asked]'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s f -l file -d 'The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l concurrency -d 'Runners set up at once (1–32)' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l dry-run -d 'Show the plan and every request it would send; change nothing'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s y -l yes -d 'Accept the confirmations (the plan, and with --prune the removals)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l prune -d 'Also remove the Azure DevOps integrations of the file\'s runners that the file does not name (asked separately)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l graph-token-stdin -d 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in [default: the remembered sign-in; interactive: sign in]'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand apply" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l runner -d 'Only this runner\'s integrations, by ID (a UUID) or name [default: every runner]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand export" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l config -d 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l store -d 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)' -r -f -a "keyring\t'The OS keyring (Secret Service, Keychain, Credential Manager)'
file\t'credentials.toml beside the config file, mode 0600'"
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l gitpod-url -d 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l authority-url -d 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l graph-url -d 'Microsoft Graph base URL [default: https://graph.microsoft.com]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l ado-url -d 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]' -r
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l ca-cert -d 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system\'s and the bundled web roots]' -r -F
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l non-interactive -d 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l json -d 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l no-browser -d 'Print URLs instead of opening a browser'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -s v -l verbose -d 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -s q -l quiet -d 'Less output: only errors and the result'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l no-color -d 'Plain output without colours (also when NO_COLOR is set)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -l gitpod-token-stdin -d 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand completions" -s V -l version -d 'Print version'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "setup" -d 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "login" -d 'Developer sign-in: let the runner reach your Azure DevOps repositories'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "status" -d 'Show, per runner and host, how you are authenticated'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "logout" -d 'Remove your own host authentication tokens'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "issuer" -d 'Check an Entra issuer URL (normalise, discover, compare tenants)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "secret" -d 'Seal a secret to a runner\'s public key'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "test" -d 'Re-validate a saved integration (Entra credentials, runner validation)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "doctor" -d 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "apply" -d 'Make the runners\' Azure DevOps integrations match a TOML file'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "export" -d 'Print the runners\' Azure DevOps integrations as a file `apply` accepts'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "completions" -d 'Print shell completions'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and not __fish_seen_subcommand_from setup login status logout issuer secret test doctor apply export completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and __fish_seen_subcommand_from login" -f -a "pat" -d 'Hand the runner a personal access token (checked against Azure DevOps first)'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and __fish_seen_subcommand_from login" -f -a "oauth" -d 'Authorize the runner in the browser with Entra ID OAuth'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and __fish_seen_subcommand_from issuer" -f -a "check" -d 'Normalise an issuer URL, fetch its discovery document, check the tenant'
complete -c ado-scm -n "__fish_ado_scm_using_subcommand help; and __fish_seen_subcommand_from secret" -f -a "seal" -d 'Read a secret on stdin and print it sealed (base64) to a runner\'s public key'
