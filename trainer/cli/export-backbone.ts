/**
 * export-backbone — the online backbone of a pre-training checkpoint as a PyTorch state dict
 * (torchvision ResNet keys, torch layouts) in safetensors, plus a JSON description (fra-spec §6.2).
 *
 *   tsx trainer/cli/export-backbone.ts <checkpoint.safetensors> --out <backbone.safetensors> [--prefix online_net.backbone.]
 *
 * Exit codes: 0 written, 1 the checkpoint could not be exported, 2 bad arguments.
 */
import { activateCpuBackend } from '../engine/local-backends.js';
import { backboneDescriptionPathFor, exportBackbone, ONLINE_BACKBONE_PREFIX } from '../run/export-backbone.js';

const USAGE = 'usage: export-backbone <checkpoint.safetensors> --out <backbone.safetensors> [--prefix online_net.backbone.]';

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const positional: string[] = [];
  let out: string | undefined;
  let prefix = ONLINE_BACKBONE_PREFIX;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--out' || arg === '-o') out = argv[++i];
    else if (arg.startsWith('--out=')) out = arg.slice('--out='.length);
    else if (arg === '--prefix' || arg === '--model-prefix') prefix = argv[++i] ?? '';
    else if (arg.startsWith('-')) {
      process.stderr.write(`export-backbone: unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else positional.push(arg);
  }
  // The reference's --model-prefix has no trailing dot (`online_net.backbone`).
  if (prefix !== '' && !prefix.endsWith('.')) prefix += '.';
  const source = positional[0];
  if (positional.length !== 1 || source === undefined || out === undefined || out === '') {
    process.stderr.write(`export-backbone: need one checkpoint and --out\n${USAGE}\n`);
    return 2;
  }
  if (!out.endsWith('.safetensors')) {
    process.stderr.write(`export-backbone: --out must end in .safetensors (got ${out})\n`);
    return 2;
  }
  await activateCpuBackend();
  try {
    const d = await exportBackbone(source, out, { prefix });
    process.stdout.write(
      `wrote ${out} (${d.keys} tensors, ${d.backbone}, epoch ${d.position.epoch} step ${d.position.globalStep}) and ${backboneDescriptionPathFor(out)}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`export-backbone: ${(error as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`export-backbone: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
