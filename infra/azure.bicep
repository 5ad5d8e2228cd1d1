// Azure resources for the Entra Recycle Bin bot, provisioned by the Microsoft 365 Agents Toolkit
// (m365agents.yml, arm/deploy) with the values in azure.parameters.json.
//
// One user-assigned managed identity is both the bot's identity towards Teams (BOT_TYPE=
// UserAssignedMsi) and the identity that signs in to the state account and reads the Graph
// secret from Key Vault. The Graph application is a separate app registration: the identity that
// can reach the bot's endpoint must never hold Policy.ReadWrite.* (README, "Connect a real tenant").
//
// test/unit/deployment.test.ts reads this file: it checks that the app settings start the bot in
// tenant mode, that every parameter is used and that the identity is wired everywhere.

@maxLength(16)
@minLength(4)
@description('Used to name every resource in this file')
param resourceBaseName string

@description('App Service plan SKU: Basic (B1) or above, since the bot needs Always On')
param webAppSku string = 'B1'

@maxLength(42)
param botDisplayName string

param location string = resourceGroup().location

@description('The tenant the bot manages (AZURE_TENANT_ID); activities from other tenants are refused')
param graphTenantId string

@description('Client id of the Graph app registration that holds the application permissions (AZURE_CLIENT_ID)')
param graphClientId string

@secure()
@description('A client secret of that app registration; kept in Key Vault, never in the app settings')
param graphClientSecret string

@description('Entra group whose members may approve restores (APPROVER_GROUP_ID); this or approverIds is required')
param approverGroupId string = ''

@description('Comma-separated object ids of approvers (APPROVER_IDS)')
param approverIds string = ''

@description('Entra group whose members may list, show and request restores (OPERATOR_GROUP_ID)')
param operatorGroupId string = ''

@description('Comma-separated object ids of operators (OPERATOR_IDS)')
param operatorIds string = ''

@minValue(1)
@maxValue(10)
@description('Distinct approvers each restore needs (REQUIRED_APPROVALS)')
param requiredApprovals int = 1

@description('Blob container for requests, alert state, the audit log and the mirror (STATE_CONTAINER)')
param stateContainerName string = 'entra-recycle-bin-bot'

@description('Create Application Insights (with a Log Analytics workspace) and send telemetry to it')
param deployApplicationInsights bool = true

var storageAccountName = 'st${uniqueString(resourceGroup().id, resourceBaseName)}'
var keyVaultName = 'kv-${uniqueString(resourceGroup().id, resourceBaseName)}'
// Built-in role definitions.
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  location: location
  name: resourceBaseName
}

// ---- Shared state: every instance uses this account (README, "Running several instances") ----

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-01-01' = {
  parent: storage
  name: 'default'
}

resource stateContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  parent: blobService
  name: stateContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource stateRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---- The Graph secret, read by the web app through a Key Vault reference ----

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
  }
}

resource graphSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'graph-client-secret'
  properties: {
    value: graphClientSecret
  }
}

resource secretRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---- Optional telemetry (README, "Configuration": APPLICATIONINSIGHTS_CONNECTION_STRING) ----

resource workspace 'Microsoft.OperationalInsights/workspaces@2022-10-01' = if (deployApplicationInsights) {
  name: '${resourceBaseName}-logs'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = if (deployApplicationInsights) {
  name: '${resourceBaseName}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
  }
}

// ---- The bot ----

resource serverfarm 'Microsoft.Web/serverfarms@2022-09-01' = {
  name: resourceBaseName
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2022-09-01' = {
  name: resourceBaseName
  location: location
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  // The settings below name the secret and the account: the identity must be able to use both first.
  dependsOn: [
    stateRole
    secretRole
  ]
  properties: {
    serverFarmId: serverfarm.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      appCommandLine: 'node --optimize-for-size dist/index.js'
      alwaysOn: true
      healthCheckPath: '/healthz'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: [
        {
          name: 'WEBSITE_RUN_FROM_PACKAGE'
          value: '1'
        }
        {
          // The zip already holds dist/ and the production node_modules (m365agents.yml, deploy).
          name: 'SCM_DO_BUILD_DURING_DEPLOYMENT'
          value: 'false'
        }
        {
          name: 'AZURE_TENANT_ID'
          value: graphTenantId
        }
        {
          name: 'AZURE_CLIENT_ID'
          value: graphClientId
        }
        {
          name: 'AZURE_CLIENT_SECRET'
          value: '@Microsoft.KeyVault(SecretUri=${graphSecret.properties.secretUri})'
        }
        {
          name: 'BOT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'BOT_TYPE'
          value: 'UserAssignedMsi'
        }
        {
          name: 'BOT_TENANT_ID'
          value: identity.properties.tenantId
        }
        {
          name: 'STATE_ACCOUNT_URL'
          value: storage.properties.primaryEndpoints.blob
        }
        {
          name: 'STATE_CONTAINER'
          value: stateContainer.name
        }
        {
          name: 'STATE_MANAGED_IDENTITY_CLIENT_ID'
          value: identity.properties.clientId
        }
        {
          name: 'APPROVER_GROUP_ID'
          value: approverGroupId
        }
        {
          name: 'APPROVER_IDS'
          value: approverIds
        }
        {
          name: 'OPERATOR_GROUP_ID'
          value: operatorGroupId
        }
        {
          name: 'OPERATOR_IDS'
          value: operatorIds
        }
        {
          name: 'REQUIRED_APPROVALS'
          value: string(requiredApprovals)
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: deployApplicationInsights ? appInsights.properties.ConnectionString : ''
        }
      ]
    }
  }
}

// Register the web app as a bot with the Bot Framework, Teams channel on.
module azureBotRegistration './botRegistration/azurebot.bicep' = {
  name: 'Azure-Bot-registration'
  params: {
    resourceBaseName: resourceBaseName
    botDisplayName: botDisplayName
    identityClientId: identity.properties.clientId
    identityResourceId: identity.id
    identityTenantId: identity.properties.tenantId
    botAppDomain: webApp.properties.defaultHostName
  }
}

// arm/deploy writes these to env/.env.<environment>; m365agents.yml and the app package use them.
output BOT_AZURE_APP_SERVICE_RESOURCE_ID string = webApp.id
output BOT_DOMAIN string = webApp.properties.defaultHostName
output BOT_ID string = identity.properties.clientId
output BOT_TENANT_ID string = identity.properties.tenantId
