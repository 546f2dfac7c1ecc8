
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ado-scm' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ado-scm'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ado-scm' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Developer sign-in: let the runner reach your Azure DevOps repositories')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show, per runner and host, how you are authenticated')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove your own host authentication tokens')
            [CompletionResult]::new('issuer', 'issuer', [CompletionResultType]::ParameterValue, 'Check an Entra issuer URL (normalise, discover, compare tenants)')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Seal a secret to a runner''s public key')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Re-validate a saved integration (Entra credentials, runner validation)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the runners'' Azure DevOps integrations match a TOML file')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the runners'' Azure DevOps integrations as a file `apply` accepts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;setup' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization (Services)')
            [CompletionResult]::new('--virtual-directory', '--virtual-directory', [CompletionResultType]::ParameterName, 'Virtual directory of the Azure DevOps Server [default: /tfs]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Entra tenant (GUID or domain) [default: discovered from the organization]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Use an existing app registration (client ID) instead of creating one')
            [CompletionResult]::new('--app-name', '--app-name', [CompletionResultType]::ParameterName, 'Display name of the app registration to create or reuse')
            [CompletionResult]::new('--secret-expiry-days', '--secret-expiry-days', [CompletionResultType]::ParameterName, 'Lifetime of a new client secret, in days (1–730) [default: 365]')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Fixed loopback port for the browser sign-in (to forward it over SSH; 1–65535) [default: a free port]')
            [CompletionResult]::new('--graph-client-id', '--graph-client-id', [CompletionResultType]::ParameterName, 'Public client used for the Graph sign-in [default: Microsoft Graph Command Line Tools]')
            [CompletionResult]::new('--issuer-url', '--issuer-url', [CompletionResultType]::ParameterName, 'Issuer URL to use instead of the one built from the tenant')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Azure DevOps Server: scm azuredevops_server, PAT only')
            [CompletionResult]::new('--oauth', '--oauth', [CompletionResultType]::ParameterName, 'Enable Entra ID OAuth (default on Services)')
            [CompletionResult]::new('--no-oauth', '--no-oauth', [CompletionResultType]::ParameterName, 'Disable Entra ID OAuth')
            [CompletionResult]::new('--pat', '--pat', [CompletionResultType]::ParameterName, 'Enable personal access tokens (default on)')
            [CompletionResult]::new('--no-pat', '--no-pat', [CompletionResultType]::ParameterName, 'Disable personal access tokens')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the existing app''s client secret from stdin (or ADO_SCM_CLIENT_SECRET)')
            [CompletionResult]::new('--rotate-secret', '--rotate-secret', [CompletionResultType]::ParameterName, 'Mint a new client secret even when the saved one validates; then remove the old one ado-scm created')
            [CompletionResult]::new('--graph-token-stdin', '--graph-token-stdin', [CompletionResultType]::ParameterName, 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in')
            [CompletionResult]::new('--device-code', '--device-code', [CompletionResultType]::ParameterName, 'Sign in with the device code flow instead of the browser')
            [CompletionResult]::new('--grant-admin-consent', '--grant-admin-consent', [CompletionResultType]::ParameterName, 'Also grant tenant-wide admin consent for the app''s permissions')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and every request it would send; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Accept every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Accept every confirmation')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;login' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('pat', 'pat', [CompletionResultType]::ParameterValue, 'Hand the runner a personal access token (checked against Azure DevOps first)')
            [CompletionResult]::new('oauth', 'oauth', [CompletionResultType]::ParameterValue, 'Authorize the runner in the browser with Entra ID OAuth')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;login;pat' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--with-token', '--with-token', [CompletionResultType]::ParameterName, 'Read the PAT from stdin (one trailing newline is removed)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;login;oauth' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization (or Server collection) to check a PAT against when the host does not include it')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the consent to complete (1–86400)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;login;help' {
            [CompletionResult]::new('pat', 'pat', [CompletionResultType]::ParameterValue, 'Hand the runner a personal access token (checked against Azure DevOps first)')
            [CompletionResult]::new('oauth', 'oauth', [CompletionResultType]::ParameterValue, 'Authorize the runner in the browser with Entra ID OAuth')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;login;help;pat' {
            break
        }
        'ado-scm;login;help;oauth' {
            break
        }
        'ado-scm;login;help;help' {
            break
        }
        'ado-scm;status' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every runner of the organization, not only the ones you use [default: the saved runner and the hosts you hold a sign-in for]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;logout' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--gitpod', '--gitpod', [CompletionResultType]::ParameterName, 'Also forget the stored Gitpod API token')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;issuer' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Normalise an issuer URL, fetch its discovery document, check the tenant')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;issuer;check' {
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization whose tenant must match the issuer''s')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;issuer;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Normalise an issuer URL, fetch its discovery document, check the tenant')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;issuer;help;check' {
            break
        }
        'ado-scm;issuer;help;help' {
            break
        }
        'ado-scm;secret' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Read a secret on stdin and print it sealed (base64) to a runner''s public key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;secret;seal' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'Seal to the registered public key of this runner (its ID or name)')
            [CompletionResult]::new('--public-key', '--public-key', [CompletionResultType]::ParameterName, 'Base64 X25519 key (32 raw bytes or 44-byte PKIX DER), or @FILE holding it (or PEM)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;secret;help' {
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Read a secret on stdin and print it sealed (base64) to a runner''s public key')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;secret;help;seal' {
            break
        }
        'ado-scm;secret;help;help' {
            break
        }
        'ado-scm;test' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'The runner, by ID (a UUID) or name [default: from config; interactive: pick]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'The integration''s host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an Azure DevOps Server host')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;doctor' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'Only this runner''s integrations, by ID (a UUID) or name [default: every runner]')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only the integrations for this host (dev.azure.com, dev.azure.com/ORG or a Server host)')
            [CompletionResult]::new('--org', '--org', [CompletionResultType]::ParameterName, 'Azure DevOps organization whose tenant the issuer must match, for hosts that name none [default: from config]')
            [CompletionResult]::new('--warn-days', '--warn-days', [CompletionResultType]::ParameterName, 'Warn when a client secret expires within this many days (0–3650)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Repair what setup can (drift, service principal, secret rotation, issuer form), after showing the plan and asking; then check again')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Accept the confirmation of --fix')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Accept the confirmation of --fix')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Count warnings as failures (exit 4)')
            [CompletionResult]::new('--graph-token-stdin', '--graph-token-stdin', [CompletionResultType]::ParameterName, 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) to check the app registrations [default: the remembered sign-in; interactive: asked]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;apply' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Runners set up at once (1–32)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and every request it would send; change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Accept the confirmations (the plan, and with --prune the removals)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Accept the confirmations (the plan, and with --prune the removals)')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Also remove the Azure DevOps integrations of the file''s runners that the file does not name (asked separately)')
            [CompletionResult]::new('--graph-token-stdin', '--graph-token-stdin', [CompletionResultType]::ParameterName, 'Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of signing in [default: the remembered sign-in; interactive: sign in]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;export' {
            [CompletionResult]::new('--runner', '--runner', [CompletionResultType]::ParameterName, 'Only this runner''s integrations, by ID (a UUID) or name [default: every runner]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)')
            [CompletionResult]::new('--gitpod-url', '--gitpod-url', [CompletionResultType]::ParameterName, 'Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]')
            [CompletionResult]::new('--authority-url', '--authority-url', [CompletionResultType]::ParameterName, 'Microsoft Entra ID login host [default: https://login.microsoftonline.com]')
            [CompletionResult]::new('--graph-url', '--graph-url', [CompletionResultType]::ParameterName, 'Microsoft Graph base URL [default: https://graph.microsoft.com]')
            [CompletionResult]::new('--ado-url', '--ado-url', [CompletionResultType]::ParameterName, 'Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are kept) [default: https://{host}]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy behind an internal CA) [default: the system''s and the bundled web roots]')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or stderr is not a terminal')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print exactly one JSON document on stdout (also on failure); human text goes to stderr')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print URLs instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Less output: only errors and the result')
            [CompletionResult]::new('--no-color', '--no-color', [CompletionResultType]::ParameterName, 'Plain output without colours (also when NO_COLOR is set)')
            [CompletionResult]::new('--gitpod-token-stdin', '--gitpod-token-stdin', [CompletionResultType]::ParameterName, 'Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'ado-scm;help' {
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Developer sign-in: let the runner reach your Azure DevOps repositories')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show, per runner and host, how you are authenticated')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove your own host authentication tokens')
            [CompletionResult]::new('issuer', 'issuer', [CompletionResultType]::ParameterValue, 'Check an Entra issuer URL (normalise, discover, compare tenants)')
            [CompletionResult]::new('secret', 'secret', [CompletionResultType]::ParameterValue, 'Seal a secret to a runner''s public key')
            [CompletionResult]::new('test', 'test', [CompletionResultType]::ParameterValue, 'Re-validate a saved integration (Entra credentials, runner validation)')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the runners'' Azure DevOps integrations match a TOML file')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print the runners'' Azure DevOps integrations as a file `apply` accepts')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ado-scm;help;setup' {
            break
        }
        'ado-scm;help;login' {
            [CompletionResult]::new('pat', 'pat', [CompletionResultType]::ParameterValue, 'Hand the runner a personal access token (checked against Azure DevOps first)')
            [CompletionResult]::new('oauth', 'oauth', [CompletionResultType]::ParameterValue, 'Authorize the runner in the browser with Entra ID OAuth')
            break
        }
        'ado-scm;help;login;pat' {
            break
        }
        'ado-scm;help;login;oauth' {
            break
        }
        'ado-scm;help;status' {
            break
        }
        'ado-scm;help;logout' {
            break
        }
        'ado-scm;help;issuer' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Normalise an issuer URL, fetch its discovery document, check the tenant')
            break
        }
        'ado-scm;help;issuer;check' {
            break
        }
        'ado-scm;help;secret' {
            [CompletionResult]::new('seal', 'seal', [CompletionResultType]::ParameterValue, 'Read a secret on stdin and print it sealed (base64) to a runner''s public key')
            break
        }
        'ado-scm;help;secret;seal' {
            break
        }
        'ado-scm;help;test' {
            break
        }
        'ado-scm;help;doctor' {
            break
        }
        'ado-scm;help;apply' {
            break
        }
        'ado-scm;help;export' {
            break
        }
        'ado-scm;help;completions' {
            break
        }
        'ado-scm;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
