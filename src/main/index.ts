import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, safeStorage, shell, type IpcMainInvokeEvent } from 'electron';
import { describeError, toErrorDTO } from '../shared/errors';
import { createCore, type Core } from './core/create-core';
import { cliArguments, runCliAsNode } from './cli-argument';
import { electronSqliteBinding } from './electron-native';
import { bindBundleDialogs } from './ipc/bundle-dialogs';
import { bindContractToIpc } from './ipc/bind-contract';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const rendererFile = path.join(here, '../renderer/index.html');
// Linux and Windows take the window's icon from here (macOS from the bundle); extraResources puts it beside the app.
const windowIcon = (): string => (app.isPackaged ? path.join(process.resourcesPath, 'resources/icon.png') : path.join(here, '../../resources/icon.png'));

let window: BrowserWindow | undefined;
let core: Core | undefined;

function isOurFrame(event: IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  if (rendererUrl) return url.startsWith(rendererUrl);
  return url.split('#')[0] === pathToFileURL(rendererFile).href;
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'Model Center',
    icon: windowIcon(),
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The window shows our own pages only; links leave for the system browser.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!(rendererUrl && url.startsWith(rendererUrl))) event.preventDefault();
  });
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(rendererFile);
  return win;
}

async function start(): Promise<void> {
  await app.whenReady();
  try {
    core = createCore({
      surface: 'electron',
      defaultDataDir: app.getPath('userData'),
      sqliteNativeBinding: electronSqliteBinding(app.getAppPath()),
      secretCodec: safeStorage.isEncryptionAvailable()
        ? {
            encode: (plain) => safeStorage.encryptString(plain).toString('base64'),
            decode: (stored) => safeStorage.decryptString(Buffer.from(stored, 'base64')),
          }
        : undefined,
    });
  } catch (err) {
    dialog.showErrorBox('Model Center cannot start', describeError(toErrorDTO(err)));
    app.exit(1);
    return;
  }
  bindContractToIpc(core, isOurFrame, () => window?.webContents);
  bindBundleDialogs(isOurFrame, () => window);
  window = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) window = createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !core) return;
  quitting = true;
  event.preventDefault();
  void core.close().finally(() => app.quit());
});

// `Model Center --cli …`: the command line from the installed app (AppImage, or anywhere the launcher is not).
const cliArgs = cliArguments(process.argv);
if (cliArgs) runCliAsNode(path.join(here, 'cli.js'), cliArgs);
else void start();
