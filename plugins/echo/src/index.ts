import { defineSkill } from '@talon/plugins-sdk/skill';

type Config = { wrap?: string; log?: boolean };

export default defineSkill<Config>({
  async run({ input, config, api }) {
    if (config.log === true) {
      await api.log.info('echo', {
        type: Array.isArray(input) ? 'array' : input === null ? 'null' : typeof input,
      });
    }
    return config.wrap ? { [config.wrap]: input } : input;
  },
});
