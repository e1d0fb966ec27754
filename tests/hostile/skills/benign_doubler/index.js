// The well-behaved neighbour: runs in parallel with every attack and must keep answering correctly.
export default {
  async run({ input }) {
    await Promise.resolve();
    return { doubled: input * 2 };
  },
};
