import { notAvailable } from '../not-available.js';

export default notAvailable('shell', 'part 6: the agent');
