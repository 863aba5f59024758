import { notAvailable } from '../not-available.js';

export default notAvailable('chat', 'part 6: the agent');
