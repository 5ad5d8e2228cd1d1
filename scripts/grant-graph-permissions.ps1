<#
.SYNOPSIS
    Grants the Entra Recycle Bin bot's Microsoft Graph application permissions to its Graph identity.

.DESCRIPTION
    Assigns each application permission the bot needs (REQUIRED_PERMISSIONS in src/core/kinds.ts,
    explained in README "2. Add the application permissions") to the service principal of the
    bot's GRAPH identity: the app registration whose client id is AZURE_CLIENT_ID (GRAPH_CLIENT_ID
    in env/.env.<name>), or a managed identity used with AZURE_USE_MANAGED_IDENTITY=true.
    Assigning an application permission this way is the same as granting admin consent for it.

    Never run it for the bot's own identity (BOT_ID, the Azure Bot's managed identity or app):
    whoever can reach the bot's endpoint must not hold Policy.ReadWrite.*. The script refuses a
    service principal whose app id is given as -BotId.

    Permissions already granted are left as they are; the script only adds. It needs Microsoft
    Graph PowerShell (Install-Module Microsoft.Graph.Applications) and a sign-in as Privileged Role
    Administrator or Global Administrator. Tokens issued before the change keep the old roles:
    restart the bot afterwards, then send `status` to see the roles its token holds.

.PARAMETER AppId
    Application (client) id of the Graph identity: AZURE_CLIENT_ID, or the managed identity's client id.

.PARAMETER DisplayName
    Display name of the Graph identity's service principal, instead of -AppId.

.PARAMETER TenantId
    The tenant to sign in to (AZURE_TENANT_ID); the account's home tenant if omitted.

.PARAMETER BotId
    The bot's own app id (BOT_ID). If the target is that identity, the script stops.

.EXAMPLE
    ./scripts/grant-graph-permissions.ps1 -AppId 11111111-2222-3333-4444-555555555555 -TenantId contoso.onmicrosoft.com -BotId 66666666-7777-8888-9999-000000000000

.EXAMPLE
    ./scripts/grant-graph-permissions.ps1 -DisplayName 'Entra Recycle Bin - Graph' -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'AppId')]
param(
    [Parameter(Mandatory = $true, ParameterSetName = 'AppId')]
    [ValidatePattern('^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')]
    [string] $AppId,

    [Parameter(Mandatory = $true, ParameterSetName = 'DisplayName')]
    [string] $DisplayName,

    [string] $TenantId,

    [string] $BotId
)

$ErrorActionPreference = 'Stop'

# The same list, in the same order, as REQUIRED_PERMISSIONS in src/core/kinds.ts
# (test/unit/deployment.test.ts fails when they differ).
$Permissions = @(
    'Policy.Read.All'
    'Policy.ReadWrite.ConditionalAccess'
    'Policy.ReadWrite.CrossTenantAccess'
    'AuditLog.Read.All'
    'GroupMember.Read.All'
    'User.ReadBasic.All'
    'Application.Read.All'
    'CrossTenantInformation.ReadBasic.All'
    'User.Read.All'
    'User.DeleteRestore.All'
    'Group.Read.All'
    'Group.ReadWrite.All'
    'Application.ReadWrite.OwnedBy'
    'AdministrativeUnit.Read.All'
    'AdministrativeUnit.ReadWrite.All'
)
$MicrosoftGraphAppId = '00000003-0000-0000-c000-000000000000'

Import-Module Microsoft.Graph.Applications

$connect = @{ Scopes = @('Application.Read.All', 'AppRoleAssignment.ReadWrite.All'); NoWelcome = $true }
if ($TenantId) { $connect.TenantId = $TenantId }
Connect-MgGraph @connect

if ($PSCmdlet.ParameterSetName -eq 'AppId') {
    $target = @(Get-MgServicePrincipal -Filter "appId eq '$AppId'")
} else {
    $escaped = $DisplayName.Replace("'", "''")
    $target = @(Get-MgServicePrincipal -Filter "displayName eq '$escaped'")
}
if ($target.Count -eq 0) {
    throw "No service principal found. For an app registration, create its service principal first: New-MgServicePrincipal -AppId <client id>."
}
if ($target.Count -gt 1) {
    throw "$($target.Count) service principals have that name; run again with -AppId."
}
$target = $target[0]
if ($BotId -and $target.AppId -eq $BotId) {
    throw "$($target.DisplayName) is the bot's own identity (BOT_ID). Grant these permissions to the separate Graph identity instead."
}

$graph = Get-MgServicePrincipal -Filter "appId eq '$MicrosoftGraphAppId'"
$granted = @(Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $target.Id -All |
    Where-Object { $_.ResourceId -eq $graph.Id } |
    ForEach-Object { $_.AppRoleId })

Write-Host "Graph identity: $($target.DisplayName) (app id $($target.AppId), $($target.ServicePrincipalType))"
foreach ($name in $Permissions) {
    $role = $graph.AppRoles | Where-Object { $_.Value -eq $name -and $_.AllowedMemberTypes -contains 'Application' }
    if (-not $role) {
        throw "Microsoft Graph offers no application permission named $name in this cloud."
    }
    if ($granted -contains $role.Id) {
        Write-Host "  already granted  $name"
        continue
    }
    if ($PSCmdlet.ShouldProcess($target.DisplayName, "grant the application permission $name")) {
        New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $target.Id -PrincipalId $target.Id -ResourceId $graph.Id -AppRoleId $role.Id | Out-Null
        Write-Host "  granted          $name"
    }
}
Write-Host 'Restart the bot so that it gets a token with the new roles, then send "status" to check them.'
