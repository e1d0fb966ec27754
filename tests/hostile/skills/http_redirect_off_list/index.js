// input.url is the test's loopback server, which answers with a redirect to a host not on the list.
export default { async run({ input, api }) { return await api.http.fetch(input.url); } };
