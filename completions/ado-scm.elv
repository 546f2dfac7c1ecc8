
use builtin;
use str;

set edit:completion:arg-completer[ado-scm] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ado-scm'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ado-scm'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand setup 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)'
            cand login 'Developer sign-in: let the runner reach your Azure DevOps repositories'
            cand status 'Show, per runner and host, how you are authenticated'
            cand logout 'Remove your own host authentication tokens'
            cand issuer 'Check an Entra issuer URL (normalise, discover, compare tenants)'
            cand secret 'Seal a secret to a runner''s public key'
            cand test 'Re-validate a saved integration (Entra credentials, runner validation)'
            cand doctor 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs'
            cand apply 'Make the runners'' Azure DevOps integrations match a TOML file'
            cand export 'Print the runners'' Azure DevOps integrations as a file `apply` accepts'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;setup'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --org 'Azure DevOps organization (Services)'
            cand --virtual-directory 'Virtual directory of the Azure DevOps Server [default: /tfs]'
            cand --tenant 'Entra tenant (GUID or domain) [default: discovered from the organization]'
            cand --client-id 'Use an existing app registration (client ID) instead of creating one'
            cand --app-name 'Display name of the app registration to create or reuse'
            cand --secret-expiry-days 'Lifetime of a new client secret, in days (1–730) [default: 365]'
            cand --port 'Fixed loopback port for the browser sign-in (to forward it over SSH; 1–65535) [default: a free port]'
            cand --graph-client-id 'Public client used for the Graph sign-in [default: Microsoft Graph Command Line Tools]'
            cand --issuer-url 'Issuer URL to use instead of the one built from the tenant'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --server 'Azure DevOps Server: scm azuredevops_server, PAT only'
            cand --oauth 'Enable Entra ID OAuth (default on Services)'
            cand --no-oauth 'Disable Entra ID OAuth'
            cand --pat 'Enable personal access tokens (default on)'
            cand --no-pat 'Disable personal access tokens'
            cand --client-secret-stdin 'Read the existing app''s client secret from stdin (or ADO_SCM_CLIENT_SECRET)'
            cand --rotate-secret 'Mint a new client secret even when the saved one validates; then remove the old one ado-scm created'
            cand --graph-token-stdin 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in'
            cand --device-code 'Sign in with the device code flow instead of the browser'
            cand --grant-admin-consent 'Also grant tenant-wide admin consent for the app''s permissions'
            cand --dry-run 'Show the plan and every request it would send; change nothing'
            cand -y 'Accept every confirmation'
            cand --yes 'Accept every confirmation'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;login'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --org 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand pat 'Hand the runner a personal access token (checked against Azure DevOps first)'
            cand oauth 'Authorize the runner in the browser with Entra ID OAuth'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;login;pat'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --org 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --with-token 'Read the PAT from stdin (one trailing newline is removed)'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;login;oauth'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --org 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it'
            cand --timeout 'Seconds to wait for the consent to complete (1–86400)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;login;help'= {
            cand pat 'Hand the runner a personal access token (checked against Azure DevOps first)'
            cand oauth 'Authorize the runner in the browser with Entra ID OAuth'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;login;help;pat'= {
        }
        &'ado-scm;login;help;oauth'= {
        }
        &'ado-scm;login;help;help'= {
        }
        &'ado-scm;status'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --all 'Every runner of the organization, not only the ones you use [default: the saved runner and the hosts you hold a sign-in for]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;logout'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --gitpod 'Also forget the stored Gitpod API token'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;issuer'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Normalise an issuer URL, fetch its discovery document, check the tenant'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;issuer;check'= {
            cand --org 'Azure DevOps organization whose tenant must match the issuer''s'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;issuer;help'= {
            cand check 'Normalise an issuer URL, fetch its discovery document, check the tenant'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;issuer;help;check'= {
        }
        &'ado-scm;issuer;help;help'= {
        }
        &'ado-scm;secret'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand seal 'Read a secret on stdin and print it sealed (base64) to a runner''s public key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;secret;seal'= {
            cand --runner 'Seal to the registered public key of this runner (its ID or name)'
            cand --public-key 'Base64 X25519 key (32 raw bytes or 44-byte PKIX DER), or @FILE holding it (or PEM)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;secret;help'= {
            cand seal 'Read a secret on stdin and print it sealed (base64) to a runner''s public key'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;secret;help;seal'= {
        }
        &'ado-scm;secret;help;help'= {
        }
        &'ado-scm;test'= {
            cand --runner 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]'
            cand --host 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;doctor'= {
            cand --runner 'Only this runner''s integrations, by ID (a UUID) or name [default: every runner]'
            cand --host 'Only the integrations for this host (dev.azure.com, dev.azure.com/ORG or a Server host)'
            cand --org 'Azure DevOps organization whose tenant the issuer must match, for hosts that name none [default: from config]'
            cand --warn-days 'Warn when a client secret expires within this many days (0–3650)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --fix 'Repair what setup can (drift, service principal, secret rotation, issuer form), after showing the plan and asking; then check again'
            cand -y 'Accept the confirmation of --fix'
            cand --yes 'Accept the confirmation of --fix'
            cand --strict 'Count warnings as failures (exit 4)'
            cand --graph-token-stdin 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) to check the app registrations [default: the remembered sign-in; interactive: asked]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;apply'= {
            cand -f 'The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)'
            cand --file 'The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)'
            cand --concurrency 'Runners set up at once (1–32)'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --dry-run 'Show the plan and every request it would send; change nothing'
            cand -y 'Accept the confirmations (the plan, and with --prune the removals)'
            cand --yes 'Accept the confirmations (the plan, and with --prune the removals)'
            cand --prune 'Also remove the Azure DevOps integrations of the file''s runners that the file does not name (asked separately)'
            cand --graph-token-stdin 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in [default: the remembered sign-in; interactive: sign in]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;export'= {
            cand --runner 'Only this runner''s integrations, by ID (a UUID) or name [default: every runner]'
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;completions'= {
            cand --config 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]'
            cand --store 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)'
            cand --gitpod-url 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]'
            cand --authority-url 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]'
            cand --graph-url 'Microsoft Graph base URL [default: https://graph.microsoft.com]'
            cand --ado-url 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]'
            cand --ca-cert 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]'
            cand --non-interactive 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal'
            cand --json 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr'
            cand --no-browser 'Print URLs instead of opening a browser'
            cand -v 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand --verbose 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted'
            cand -q 'Less output: only errors and the result'
            cand --quiet 'Less output: only errors and the result'
            cand --no-color 'Plain output without colours (also when NO_COLOR is set)'
            cand --gitpod-token-stdin 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'ado-scm;help'= {
            cand setup 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)'
            cand login 'Developer sign-in: let the runner reach your Azure DevOps repositories'
            cand status 'Show, per runner and host, how you are authenticated'
            cand logout 'Remove your own host authentication tokens'
            cand issuer 'Check an Entra issuer URL (normalise, discover, compare tenants)'
            cand secret 'Seal a secret to a runner''s public key'
            cand test 'Re-validate a saved integration (Entra credentials, runner validation)'
            cand doctor 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs'
            cand apply 'Make the runners'' Azure DevOps integrations match a TOML file'
            cand export 'Print the runners'' Azure DevOps integrations as a file `apply` accepts'
            cand completions 'Print shell completions'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ado-scm;help;setup'= {
        }
        &'ado-scm;help;login'= {
            cand pat 'Hand the runner a personal access token (checked against Azure DevOps first)'
            cand oauth 'Authorize the runner in the browser with Entra ID OAuth'
        }
        &'ado-scm;help;login;pat'= {
        }
        &'ado-scm;help;login;oauth'= {
        }
        &'ado-scm;help;status'= {
        }
        &'ado-scm;help;logout'= {
        }
        &'ado-scm;help;issuer'= {
            cand check 'Normalise an issuer URL, fetch its discovery document, check the tenant'
        }
        &'ado-scm;help;issuer;check'= {
        }
        &'ado-scm;help;secret'= {
            cand seal 'Read a secret on stdin and print it sealed (base64) to a runner''s public key'
        }
        &'ado-scm;help;secret;seal'= {
        }
        &'ado-scm;help;test'= {
        }
        &'ado-scm;help;doctor'= {
        }
        &'ado-scm;help;apply'= {
        }
        &'ado-scm;help;export'= {
        }
        &'ado-scm;help;completions'= {
        }
        &'ado-scm;help;help'= {
        }
    ]
    $completions[$command]
}
