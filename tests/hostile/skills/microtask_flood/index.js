export default {
  run() {
    const again = () => Promise.resolve().then(again);
    again();
    return new Promise(() => {});
  },
};
