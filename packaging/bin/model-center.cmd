@echo off
rem The model-center command line of an installed Model Center (Windows, NSIS): the app's own Electron run
rem as plain Node. Layout: <install>\resources\bin\model-center.cmd, <install>\Model Center.exe.
setlocal
set "RES=%~dp0.."
set "ELECTRON_RUN_AS_NODE=1"
"%RES%\..\Model Center.exe" "%RES%\app.asar\out\main\cli.js" %*
exit /b %ERRORLEVEL%
