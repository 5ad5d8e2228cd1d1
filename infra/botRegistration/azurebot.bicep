// The Azure Bot registration: Teams reaches the bot through it. The bot signs in as the
// user-assigned managed identity created in ../azure.bicep (no password to keep or rotate).

@maxLength(16)
@minLength(4)
@description('Used to name the bot resource')
param resourceBaseName string

@maxLength(42)
param botDisplayName string

param botServiceName string = resourceBaseName

@description('F0 is free and enough for one organisation; S1 lifts the premium-channel message limits')
param botServiceSku string = 'F0'

@description('Resource id of the user-assigned managed identity the bot signs in as')
param identityResourceId string

@description('Client id of that identity: the bot\'s Microsoft App ID (BOT_ID)')
param identityClientId string

@description('Tenant of that identity (BOT_TENANT_ID)')
param identityTenantId string

@description('Host name that serves /api/messages')
param botAppDomain string

resource botService 'Microsoft.BotService/botServices@2022-09-15' = {
  kind: 'azurebot'
  location: 'global'
  name: botServiceName
  sku: {
    name: botServiceSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: 'https://${botAppDomain}/api/messages'
    msaAppId: identityClientId
    msaAppMSIResourceId: identityResourceId
    msaAppTenantId: identityTenantId
    msaAppType: 'UserAssignedMSI'
  }
}

// Teams is the only channel the bot serves.
resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: botService
  location: 'global'
  name: 'MsTeamsChannel'
  properties: {
    channelName: 'MsTeamsChannel'
  }
}

output botServiceName string = botService.name
