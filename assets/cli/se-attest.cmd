@echo off
rem se-attest launcher, installed as <app>\resources\bin\se-attest.cmd: runs the CLI shipped inside
rem app.asar with the app's own Electron binary in plain-Node mode.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\..\SE Attestation Workstation.exe" "%~dp0..\app.asar\bin\se-attest.cjs" %*
