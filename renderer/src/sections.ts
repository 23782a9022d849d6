// The workbench's top-level sections, in navigation order. Each one says what it is for and what is
// coming, so the shell is honest about being a shell until the features land.
export interface WorkbenchSection {
  id: string;
  label: string;
  summary: string;
  upcoming: readonly string[];
}

export const sections: readonly [WorkbenchSection, ...WorkbenchSection[]] = [
  {
    id: 'datasets',
    label: 'Datasets',
    summary: 'Bring in folders of face images and check them before training.',
    upcoming: [
      'Import a folder of images (flat or one folder per class)',
      'Browse thumbnails quickly, even for large datasets',
      'Find duplicate and unreadable images',
    ],
  },
  {
    id: 'runs',
    label: 'Runs',
    summary: 'Pre-train face encoders with FRA and watch them learn.',
    upcoming: [
      'A new-run form pre-filled with the FRA paper settings',
      'Live loss and learning-rate charts',
      'Pause, resume and stop, with crash-safe checkpoints',
    ],
  },
  {
    id: 'checkpoints',
    label: 'Checkpoints',
    summary: 'Every saved checkpoint of every run, with the metrics it was saved at.',
    upcoming: ['Best and latest checkpoints per run', 'Export to TensorFlow.js or ONNX', 'Resume training from any checkpoint'],
  },
  {
    id: 'compare',
    label: 'Compare',
    summary: 'Put runs and checkpoints side by side.',
    upcoming: ['Overlay metrics of several runs', 'Region heatmaps of the same face from different checkpoints'],
  },
  {
    id: 'fine-tune',
    label: 'Fine-tune',
    summary: 'Adapt a pre-trained encoder to a labelled task and measure how well it transfers.',
    upcoming: ['Linear probe and full fine-tuning', 'Accuracy and confusion matrix on a held-out split'],
  },
];
