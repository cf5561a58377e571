<#
  Provisions a Windows Server 2022 builder for one platform and starts its rfarm agents, one
  Windows service each (rfarm-agent-1, rfarm-agent-2, …; one environment per agent, each with its
  own data directory, metrics port and build memory limit). infra/user-data/windows-builder.ts runs
  it from EC2 user-data with the platform's parameters; it is idempotent, so it can also bake an AMI.
#>
param(
  [Parameter(Mandatory)] [string] $Platform,
  [Parameter(Mandatory)] [ValidateSet('devel', 'release', 'patched')] [string] $RFlavour,
  [Parameter(Mandatory)] [string] $RVersion,
  [Parameter(Mandatory)] [string] $Rtools,
  [Parameter(Mandatory)] [string] $SourceRepo,
  [Parameter(Mandatory)] [string] $SourceRef,
  [Parameter(Mandatory)] [string] $CredsParameter,
  [Parameter(Mandatory)] [string] $Region,
  [Parameter(Mandatory)] [string] $CaPem,
  [Parameter(Mandatory)] [string] $AlloyConfig,
  [Parameter(Mandatory)] [hashtable[]] $AgentEnvironments
)
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12

$NodeVersion = '20.19.5'
$GitVersion = '2.47.1'
$PandocVersion = '3.6.4'
$AlloyVersion = '1.10.0'
$Root = 'C:\rfarm'
$Cran = 'https://cloud.r-project.org'

function Get-File([string] $Url, [string] $Path) {
  Invoke-WebRequest -UseBasicParsing -Uri $Url -OutFile $Path
}

New-Item -ItemType Directory -Force -Path "$Root\etc", "$Root\jobs", "$Root\downloads", "$Root\logs" | Out-Null
$downloads = "$Root\downloads"

# R for the platform's flavour: devel and patched from CRAN's current builds, release pinned.
switch ($RFlavour) {
  'devel' { $rUrl = "$Cran/bin/windows/base/R-devel-win.exe" }
  'patched' { $rUrl = "$Cran/bin/windows/base/R-$($RVersion -replace '-patched', '')patched-win.exe" }
  default { $rUrl = "$Cran/bin/windows/base/old/$RVersion/R-$RVersion-win.exe" }
}
Get-File $rUrl "$downloads\R-installer.exe"
Start-Process -Wait -FilePath "$downloads\R-installer.exe" -ArgumentList '/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART', "/DIR=C:\R\$RFlavour"

# Rtools of the R series: the newest build listed in CRAN's Rtools folder.
$rtoolsIndex = (Invoke-WebRequest -UseBasicParsing -Uri "$Cran/bin/windows/Rtools/rtools$Rtools/files/").Content
$rtoolsFile = ([regex]::Matches($rtoolsIndex, "rtools$Rtools-\d+-\d+\.exe") | ForEach-Object Value | Sort-Object -Unique | Select-Object -Last 1)
Get-File "$Cran/bin/windows/Rtools/rtools$Rtools/files/$rtoolsFile" "$downloads\rtools.exe"
Start-Process -Wait -FilePath "$downloads\rtools.exe" -ArgumentList '/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART', "/DIR=C:\rtools$Rtools"

# Node (agent), MinGit (checkout), pandoc (vignettes), NSSM (service wrapper), Alloy (logs, metrics).
Get-File "https://nodejs.org/dist/v$NodeVersion/node-v$NodeVersion-x64.msi" "$downloads\node.msi"
Start-Process -Wait msiexec.exe -ArgumentList '/i', "$downloads\node.msi", '/qn'
Get-File "https://github.com/git-for-windows/git/releases/download/v$GitVersion.windows.1/MinGit-$GitVersion-64-bit.zip" "$downloads\mingit.zip"
Expand-Archive -Force "$downloads\mingit.zip" 'C:\MinGit'
Get-File "https://github.com/jgm/pandoc/releases/download/$PandocVersion/pandoc-$PandocVersion-windows-x86_64.msi" "$downloads\pandoc.msi"
Start-Process -Wait msiexec.exe -ArgumentList '/i', "$downloads\pandoc.msi", '/qn', 'ALLUSERS=1'
Get-File 'https://nssm.cc/release/nssm-2.24.zip' "$downloads\nssm.zip"
Expand-Archive -Force "$downloads\nssm.zip" $downloads
Copy-Item "$downloads\nssm-2.24\win64\nssm.exe" 'C:\Windows\System32\nssm.exe'
Get-File "https://github.com/grafana/alloy/releases/download/v$AlloyVersion/alloy-installer-windows-amd64.exe.zip" "$downloads\alloy.zip"
Expand-Archive -Force "$downloads\alloy.zip" $downloads
Start-Process -Wait -FilePath "$downloads\alloy-installer-windows-amd64.exe" -ArgumentList '/S', "/CONFIG=$Root\etc\config.alloy"

$machinePath = [Environment]::GetEnvironmentVariable('Path', 'Machine')
$machinePath = "C:\R\$RFlavour\bin;C:\rtools$Rtools\usr\bin;C:\MinGit\cmd;C:\Program Files\nodejs;$machinePath"
[Environment]::SetEnvironmentVariable('Path', $machinePath, 'Machine')
$env:Path = $machinePath

# TeX for vignettes and manuals, through TinyTeX.
& "C:\R\$RFlavour\bin\Rscript.exe" -e "install.packages(c('tinytex','knitr','rmarkdown','remotes'), repos='$Cran'); tinytex::install_tinytex(dir='C:/TinyTeX', force=TRUE)"

# The farm checkout and the agent's dependencies.
if (-not (Test-Path "$Root\src\.git")) { git clone --depth 1 --branch $SourceRef $SourceRepo "$Root\src" }
Push-Location "$Root\src"; npm ci --omit=dev; Pop-Location

# Files: CA, Alloy config, this pool's NATS credentials (read with the instance role, never in user-data).
Set-Content -Path "$Root\etc\farm-ca.pem" -Value $CaPem -Encoding ascii
Set-Content -Path "$Root\etc\config.alloy" -Value $AlloyConfig -Encoding ascii
$creds = (Get-SSMParameter -Name $CredsParameter -WithDecryption $true -Region $Region).Value
Set-Content -Path $AgentEnvironments[0]['NATS_CREDS'] -Value $creds -Encoding ascii
icacls "$Root\etc" /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
Restart-Service -Name Alloy -ErrorAction SilentlyContinue

# Each agent's worker id is `<instance id>-agent-<n>`: the scaler (scaler/) matches heartbeats to
# Auto Scaling instances by it, since a Windows computer name cannot hold an instance id (15 characters).
$imdsToken = Invoke-RestMethod -Method Put -Uri 'http://169.254.169.254/latest/api/token' -Headers @{ 'X-aws-ec2-metadata-token-ttl-seconds' = '60' }
$instanceId = Invoke-RestMethod -Uri 'http://169.254.169.254/latest/meta-data/instance-id' -Headers @{ 'X-aws-ec2-metadata-token' = $imdsToken }

# The agents as services, for exactly this platform.
$node = 'C:\Program Files\nodejs\node.exe'
for ($slot = 1; $slot -le $AgentEnvironments.Count; $slot++) {
  $environment = $AgentEnvironments[$slot - 1]
  if ($environment['FARM_PLATFORM'] -ne $Platform) { throw "agent $slot environment serves '$($environment['FARM_PLATFORM'])', expected '$Platform'" }
  $environment['FARM_WORKER_ID'] = "$instanceId-agent-$slot"
  New-Item -ItemType Directory -Force -Path $environment['FARM_DATA_DIR'] | Out-Null
  $service = "rfarm-agent-$slot"
  nssm install $service $node '--import' 'tsx' 'images/agent/main.ts'
  nssm set $service AppDirectory "$Root\src"
  nssm set $service AppEnvironmentExtra ($environment.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" })
  nssm set $service AppStdout "$Root\logs\agent-$slot.log"
  nssm set $service AppStderr "$Root\logs\agent-$slot.log"
  nssm set $service Start SERVICE_AUTO_START
  Start-Service $service
}
