/**
 * ComfyUI workflows in API format (`{ "<node id>": { class_type, inputs } }`) with Roost's
 * placeholders: a string value `"{{name}}"` is replaced by the task's value of that name, keeping
 * its type (`"{{seed}}"` becomes a number); `{{name}}` inside a longer string is replaced as text.
 */

export type Workflow = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

export const PLACEHOLDERS = [
  'prompt',
  'negative_prompt',
  'seed',
  'steps',
  'width',
  'height',
  'cfg_scale',
  'sampler_name',
  'batch_size',
  'model',
] as const;

const PLACEHOLDER = /\{\{(\w+)\}\}/g;

/** ComfyUI's own txt2img example graph (script_examples/basic_api_example.py) with placeholders. */
export const DEFAULT_WORKFLOW: Workflow = {
  '3': {
    class_type: 'KSampler',
    inputs: {
      seed: '{{seed}}',
      steps: '{{steps}}',
      cfg: '{{cfg_scale}}',
      sampler_name: '{{sampler_name}}',
      scheduler: 'normal',
      denoise: 1,
      model: ['4', 0],
      positive: ['6', 0],
      negative: ['7', 0],
      latent_image: ['5', 0],
    },
  },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: '{{model}}' } },
  '5': {
    class_type: 'EmptyLatentImage',
    inputs: { width: '{{width}}', height: '{{height}}', batch_size: '{{batch_size}}' },
  },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: '{{prompt}}', clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: '{{negative_prompt}}', clip: ['4', 1] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'roost', images: ['8', 0] } },
};

/** The placeholder names a workflow uses; an unknown one throws, naming it. */
export function placeholdersOf(workflow: Workflow): Set<string> {
  const names = new Set<string>();
  for (const match of JSON.stringify(workflow).matchAll(PLACEHOLDER)) names.add(match[1]!);
  for (const name of names)
    if (!(PLACEHOLDERS as readonly string[]).includes(name))
      throw new Error(`unknown workflow placeholder {{${name}}}: known are ${PLACEHOLDERS.join(', ')}`);
  return names;
}

/** A copy of the workflow with its placeholders filled; one without a value is left as it is. */
export function fillWorkflow(workflow: Workflow, values: Record<string, string | number>): Workflow {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const whole = /^\{\{(\w+)\}\}$/.exec(v);
      if (whole && values[whole[1]!] !== undefined) return values[whole[1]!];
      return v.replace(PLACEHOLDER, (m, name: string) => (values[name] !== undefined ? String(values[name]) : m));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return fill(workflow) as Workflow;
}
