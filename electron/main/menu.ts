// A conventional menu built from Electron roles so shortcuts (copy, reload, zoom, quit) behave the
// way each platform expects, plus the few app commands that belong in a menu rather than a page:
// opening the workspace folder (runs, checkpoints, exports live there) in the system file manager.
import { app, Menu, shell, type MenuItemConstructorOptions } from 'electron';
import { APP_DISPLAY_NAME } from '../services/app-metadata.js';

export interface MenuOptions {
  /** Absolute path of the workspace folder. */
  workspace: string;
}

export function installApplicationMenu(options: MenuOptions): void {
  const openFolder = (folder: string) => () => {
    void shell.openPath(folder).then((problem) => {
      if (problem !== '') console.warn(`Could not open ${folder}: ${problem}`);
    });
  };
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Workspace Folder', click: openFolder(options.workspace) },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Open App Logs Folder', click: openFolder(app.getPath('logs')) },
        { type: 'separator' },
        { label: `About ${APP_DISPLAY_NAME}`, click: () => app.showAboutPanel() },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
