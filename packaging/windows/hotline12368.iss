; Inno Setup 6 script: the 12368 desk for Windows (x64), from the same PyInstaller spec.
;
;   1. py -3.11 -m venv .venv && .venv\Scripts\pip install -e ".[build]"
;   2. .venv\Scripts\pyinstaller --noconfirm --clean build_installer.spec   -> dist\hotline12368\
;   3. "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\hotline12368.iss
;      -> dist\installer\hotline12368-setup-0.1.0.exe
; Silent roll-out (IT): hotline12368-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
; with an optional site file: ... /SITECONFIG=\\server\share\site.json
; See docs/installing.md.

#define AppName "12368 Hotline Desk"
#define AppId "hotline12368"
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define SrcRoot "..\.."

[Setup]
AppId={{6C1E2F1A-2368-4C3B-9B6D-0012368DE500}
AppName={#AppName}
AppVerName={#AppName} {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=12368 desk maintainers
DefaultDirName={autopf}\hotline12368
DefaultGroupName=12368
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
OutputDir={#SrcRoot}\dist\installer
OutputBaseFilename=hotline12368-setup-{#AppVersion}
SetupIconFile={#SrcRoot}\packaging\hotline12368.ico
UninstallDisplayIcon={app}\hotline12368.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ShowLanguageDialog=auto

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; Inno Setup ships ChineseSimplified.isl among its unofficial translations: copy it
; into the compiler's Languages folder, then uncomment.
; Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#SrcRoot}\dist\hotline12368\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "{#SrcRoot}\packaging\linux\site.json.example"; DestDir: "{commonappdata}\hotline12368"; Flags: onlyifdoesntexist
; IT's site file, when given with /SITECONFIG=path (never overwritten by an upgrade without it).
Source: "{param:SITECONFIG}"; DestDir: "{commonappdata}\hotline12368"; DestName: "site.json"; Flags: external skipifsourcedoesntexist; Check: HasSiteConfig

[Dirs]
Name: "{commonappdata}\hotline12368"; Permissions: users-readexec

[Icons]
Name: "{autoprograms}\12368\{#AppName}"; Filename: "{app}\hotline12368.exe"
Name: "{autoprograms}\12368\{#AppName} - self-test"; Filename: "{app}\hotline12368.exe"; Parameters: "--self-test"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\hotline12368.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\hotline12368.exe"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function HasSiteConfig(): Boolean;
begin
  Result := ExpandConstant('{param:SITECONFIG|}') <> '';
end;
