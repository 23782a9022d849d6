/**
 * import-torch — a PyTorch `.pth` / `.pth.tar` (FRA reference or torchvision) to safetensors,
 * read by the restricted unpickler (nothing in the file is executed; fra-spec §6.1–6.2).
 *
 *   tsx trainer/cli/import-torch.ts <file.pth> [--model-prefix online_net.backbone] --out <backbone.safetensors> [--backbone resnet50_encoder]
 *
 * Prints what the file holds, strips `module.` and `<model-prefix>.` (default: detected),
 * and writes the selected tensors with torch keys and torch layouts kept. With --backbone the
 * weights are also loaded into that encoder first, so a mismatch fails before writing.
 * Exit codes: 0 written, 1 the file could not be imported, 2 bad arguments.
 */
import { activateCpuBackend } from '../engine/local-backends.js';
import { createResNetEncoder, isResNetEncoderName } from '../models/resnet.js';
import { SeedSequence } from '../nn/seed.js';
import { writeSafetensorsFile, type SafetensorsTensorToWrite } from '../io/safetensors.js';
import { importTorchCheckpoint, readTorchCheckpoint, selectByModelPrefix } from '../io/torch-checkpoint.js';

const USAGE = 'usage: import-torch <file.pth> --out <out.safetensors> [--model-prefix online_net.backbone] [--backbone resnet50_encoder]';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const positional: string[] = [];
  let out: string | undefined;
  let modelPrefix: string | undefined;
  let backbone: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (flag: string): string | undefined => (arg === flag ? argv[++i] : arg.startsWith(flag + '=') ? arg.slice(flag.length + 1) : undefined);
    if (arg === '--out' || arg.startsWith('--out=') || arg === '-o') out = value(arg === '-o' ? '-o' : '--out');
    else if (arg === '--model-prefix' || arg.startsWith('--model-prefix=')) modelPrefix = value('--model-prefix') ?? '';
    else if (arg === '--backbone' || arg.startsWith('--backbone=')) backbone = value('--backbone');
    else if (arg.startsWith('-')) {
      process.stderr.write(`import-torch: unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else positional.push(arg);
  }
  const source = positional[0];
  if (positional.length !== 1 || source === undefined || !out) {
    process.stderr.write(`import-torch: need one checkpoint file and --out\n${USAGE}\n`);
    return 2;
  }
  if (!out.endsWith('.safetensors')) {
    process.stderr.write(`import-torch: --out must end in .safetensors (got ${out})\n`);
    return 2;
  }
  if (backbone !== undefined && !isResNetEncoderName(backbone)) {
    process.stderr.write(`import-torch: unknown --backbone ${backbone}\n`);
    return 2;
  }
  try {
    const ckpt = await readTorchCheckpoint(source);
    const { kind, meta } = ckpt;
    const say = (line: string): boolean => process.stdout.write(line + '\n');
    say(`${source}: ${meta.format} serialization, ${ckpt.stateDict.size} tensors${meta.fromStateDictKey ? " (from checkpoint['state_dict'])" : ''}`);
    say(`  top-level keys: ${meta.topLevelKeys.join(', ')}`);
    if (meta.epoch !== undefined || meta.arch !== undefined) say(`  epoch ${meta.epoch ?? '?'}, arch ${meta.arch ?? '?'}${meta.bestAcc1 !== undefined ? `, best_acc1 ${meta.bestAcc1}` : ''}`);
    say(`  kind: ${kind.kind}${kind.ddp ? ' (DDP module. prefix)' : ''}; backbone prefix: ${kind.backbonePrefix === null ? 'unknown' : JSON.stringify(kind.backbonePrefix)}`);
    say(`  groups: ${Object.entries(kind.groups).map(([g, n]) => `${g} (${n})`).join(', ')}`);
    const prefix = modelPrefix ?? kind.backbonePrefix;
    if (prefix === null) throw new Error('cannot tell which weights to import; pass --model-prefix');
    const { selected, ignored } = selectByModelPrefix(ckpt.stateDict, prefix);
    if (selected.size === 0) throw new Error(`--model-prefix ${JSON.stringify(prefix)} selects no keys`);
    say(`  --model-prefix ${JSON.stringify(prefix)}: ${selected.size} tensors selected, ${ignored.length} ignored`);

    if (backbone !== undefined && isResNetEncoderName(backbone)) {
      await activateCpuBackend();
      const encoder = createResNetEncoder(backbone, new SeedSequence(0));
      const report = importTorchCheckpoint(encoder, ckpt, { modelPrefix: prefix });
      say(`  ${backbone}: loaded ${report.loaded} entries; unexpected ${report.unexpected.length ? report.unexpected.join(', ') : 'none'}; classifier head ${report.headKeys.length ? report.headKeys.join(', ') : 'none'}`);
      encoder.dispose();
    }

    const tensors = new Map<string, SafetensorsTensorToWrite>();
    for (const [k, t] of selected) {
      if (t.dtype === 'float32') tensors.set(k, { dtype: 'F32', shape: t.shape, data: t.data as Float32Array });
      else if (t.dtype === 'int32') tensors.set(k, { dtype: 'I32', shape: t.shape, data: t.data as Int32Array });
      else throw new Error(`tensor ${k}: bool tensors cannot be written`);
    }
    const metadata: Record<string, string> = { source: 'pytorch', kind: kind.kind, model_prefix: prefix, format: meta.format };
    if (meta.epoch !== undefined) metadata.epoch = String(meta.epoch);
    if (meta.arch !== undefined) metadata.arch = meta.arch;
    await writeSafetensorsFile(out, tensors, metadata);
    say(`wrote ${out} (${tensors.size} tensors, torch layout, keys without "${prefix}")`);
    return 0;
  } catch (error) {
    process.stderr.write(`import-torch: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`import-torch: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
