#Requires -RunAsAdministrator
<#
.SYNOPSIS
  Installs or removes AuthWatch without the MSI (for deployment by script, e.g. to many Exchange servers).

.DESCRIPTION
  Copies authwatch.exe and authwatch-service.exe from -SourcePath to %ProgramFiles%\AuthWatch, puts the
  default configuration in %ProgramData%\AuthWatch\authwatch.json (an existing one is kept), then lets
  the service exe do the rest, exactly as the MSI does: `authwatch-service.exe install` registers the
  AuthWatch service (automatic delayed start, LocalSystem, restarted after a failure) and the
  "AuthWatch" event source of the Application log; `authwatch-service.exe start` starts it and waits
  until it runs. -Uninstall stops and removes the service and the event source and deletes the
  program folder; the database and configuration in %ProgramData%\AuthWatch stay unless -RemoveData.

.PARAMETER SourcePath
  The folder holding authwatch.exe, authwatch-service.exe and authwatch.json (default: this script's folder).

.PARAMETER Uninstall
  Remove AuthWatch instead of installing it.

.PARAMETER RemoveData
  With -Uninstall: also delete %ProgramData%\AuthWatch (the history database and the configuration).

.EXAMPLE
  .\Install-AuthWatch.ps1 -SourcePath \\fileserver\share\AuthWatch

.EXAMPLE
  .\Install-AuthWatch.ps1 -Uninstall
#>
[CmdletBinding()]
param(
  [string]$SourcePath = $PSScriptRoot,
  [switch]$Uninstall,
  [switch]$RemoveData
)
$ErrorActionPreference = 'Stop'
$programFolder = Join-Path $env:ProgramFiles 'AuthWatch'
$dataFolder = Join-Path ([Environment]::GetFolderPath('CommonApplicationData')) 'AuthWatch'
$serviceExe = Join-Path $programFolder 'authwatch-service.exe'

function Invoke-ServiceExe([string[]]$Arguments) {
  & $serviceExe @Arguments
  if ($LASTEXITCODE -ne 0) { throw "authwatch-service.exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

if ($Uninstall) {
  if (Test-Path $serviceExe) { Invoke-ServiceExe @('uninstall') }
  if (Test-Path $programFolder) { Remove-Item -Recurse -Force $programFolder }
  if ($RemoveData -and (Test-Path $dataFolder)) { Remove-Item -Recurse -Force $dataFolder }
  Write-Host "AuthWatch removed$(if (-not $RemoveData) { "; the database and configuration stay in $dataFolder" })."
  return
}

foreach ($file in 'authwatch.exe', 'authwatch-service.exe', 'authwatch.json') {
  if (-not (Test-Path (Join-Path $SourcePath $file))) { throw "$file is not in $SourcePath" }
}
# A running service holds its exe: stop it before replacing the files (an upgrade).
if (Get-Service -Name AuthWatch -ErrorAction SilentlyContinue) { Invoke-ServiceExe @('stop') }
New-Item -ItemType Directory -Force -Path $programFolder, $dataFolder | Out-Null
Copy-Item -Force (Join-Path $SourcePath 'authwatch.exe'), (Join-Path $SourcePath 'authwatch-service.exe') $programFolder
$config = Join-Path $dataFolder 'authwatch.json'
if (-not (Test-Path $config)) { Copy-Item (Join-Path $SourcePath 'authwatch.json') $config }
Invoke-ServiceExe @('install', '--config', $config)
Invoke-ServiceExe @('start')
Write-Host "AuthWatch is installed and running. Check it with: & '$programFolder\authwatch.exe' status"
